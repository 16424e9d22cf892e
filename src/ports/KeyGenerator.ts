/** A UUID v4 string. */
export type KeyGenerator = () => string;
