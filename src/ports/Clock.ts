/** Milliseconds since the epoch; a port so tests can move time. */
export type Clock = () => number;
