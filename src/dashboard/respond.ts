/** Small response helpers of the dashboard: JSON and errors, with its security headers. */
import type { ServerResponse } from 'node:http';
import { SECURITY_HEADERS } from './assets.js';

/** A request input the API refuses (400 with the message). */
export class BadRequest extends Error {}

/** Send JSON with the dashboard's headers. */
export function json(res: ServerResponse, status: number, value: unknown, headers: Record<string, string> = {}): void {
  const body = JSON.stringify(value);
  res.writeHead(status, { ...SECURITY_HEADERS, 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(body), 'cache-control': 'no-store', ...headers });
  res.end(body);
}

/** Send `{ error }` JSON. */
export function jsonError(res: ServerResponse, status: number, message: string, headers: Record<string, string> = {}): void {
  json(res, status, { error: message }, headers);
}

/** Send `{ error: "CODE: message", code }` JSON: a refusal with a stable code. */
export function codedError(res: ServerResponse, status: number, code: string, message: string, headers: Record<string, string> = {}): void {
  json(res, status, { error: `${code}: ${message}`, code }, headers);
}

/** Redirect (303: the browser follows with GET). */
export function redirect(res: ServerResponse, location: string, headers: Record<string, string> = {}): void {
  res.writeHead(303, { ...SECURITY_HEADERS, location, 'content-length': 0, 'cache-control': 'no-store', ...headers });
  res.end();
}

/** A query parameter, length-checked. @throws BadRequest */
export function param(url: URL, name: string, maxLength: number): string | undefined {
  const v = url.searchParams.get(name);
  if (v === null || v === '') return undefined;
  if (v.length > maxLength) throw new BadRequest(`${name} is longer than ${maxLength} characters`);
  return v;
}

/** An integer query parameter within bounds. @throws BadRequest */
export function intParam(url: URL, name: string, min: number, max: number): number | undefined {
  const v = param(url, name, 16);
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isInteger(n) || n < min || n > max) throw new BadRequest(`${name} must be an integer from ${min} to ${max}`);
  return n;
}

export { sameOrigin } from '../server/origin.js';
