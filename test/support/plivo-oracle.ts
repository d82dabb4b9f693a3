// The official `plivo` SDK, used only as a test oracle (never at run time). Its typings
// lack Response.addStream, so the few functions the tests call are typed here.
import plivoSdk from 'plivo';

interface OracleResponse {
  addStream(body: string, attributes: Record<string, string>): unknown;
  addSpeak(text: string): unknown;
  toXML(): string;
}

interface Oracle {
  Response: new () => OracleResponse;
  validateV3Signature(method: string, uri: string, nonce: string, authToken: string, signature: string, params?: object): boolean;
  validateSignature(uri: string, nonce: string, signature: string, authToken: string): boolean;
}

export const plivo = plivoSdk as unknown as Oracle;
