/** Produces a new API key: a UUID v4 string. */
export type KeyGenerator = () => string;
