// The record test/fixtures/reqfix.cpp writes (seed 001's requests), and how to read its texts.

export interface ReqTruth {
  pid: number;
  wordSize: number;
  requests: number;
  leaked: number;
  kept: number;
  leakedChannel: number;
  /** What the program found scanning its own writable memory before READY. */
  seen: { contentType: number; hostLine: number; wide: number };
  /** The texts it made, as hex (the texts themselves never go to the record: no stray copy in memory). */
  contentTypeHex: string;
  hostLineHex: string;
  wideHex: string;
  wideCount: number;
  /** Each request's buffer: address, length, offsets of the content type, Host line and body, channel, whether leaked. */
  buffers: { addr: string; len: number; ct: number; host: number; body: number; channel: number; leaked: boolean }[];
}

export const fromHex = (h: string) => String.fromCharCode(...(h.match(/../g) ?? []).map((x) => parseInt(x, 16)));

/** A text as a regular expression matching it literally. */
export const escapeRe = (s: string) => s.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
