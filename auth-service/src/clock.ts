/**
 * The time, in milliseconds since the epoch. Every factory that reads the time takes one, so a test can move
 * it and nothing computes with two different "nows"; only the entry points (server.ts, cli.ts) pass the real
 * one, `Date.now`.
 */
export type Clock = () => number;
