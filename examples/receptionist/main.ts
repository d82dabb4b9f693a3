/**
 * Run the receptionist: `npx tsx examples/receptionist/main.ts` with DEEPGRAM_API_KEY,
 * OPENAI_API_KEY and ELEVENLABS_API_KEY (or CARTESIA_API_KEY) set, then point a Plivo
 * number's Answer URL at https://<public host>/plivo/answer (or try it with
 * `npx callwire call --say "I would like to book a table"`).
 */
import { createLogger, createServer } from 'callwire';
import { CartesiaTts } from 'callwire/providers/cartesia';
import { DeepgramStt } from 'callwire/providers/deepgram';
import { ElevenLabsTts } from 'callwire/providers/elevenlabs';
import { OpenAiLlm } from 'callwire/providers/openai';
import { receptionistAgent } from './agent.js';

const tts = process.env.ELEVENLABS_API_KEY ? new ElevenLabsTts() : new CartesiaTts();
const agent = receptionistAgent({ stt: new DeepgramStt(), llm: new OpenAiLlm({ model: process.env.LLM_MODEL ?? 'gpt-4o-mini' }), tts }, undefined, process.env.MANAGER_NUMBER);
const server = createServer({
  agent,
  publicUrl: process.env.PUBLIC_URL,
  authToken: process.env.PLIVO_AUTH_TOKEN,
  authId: process.env.PLIVO_AUTH_ID,
  logger: createLogger(),
});
const { url } = await server.listen(Number(process.env.PORT ?? 8080));
console.log(`receptionist answering at ${url}/plivo/answer`);
process.once('SIGTERM', () => void server.drain().then(() => process.exit(0)));
process.once('SIGINT', () => void server.drain().then(() => process.exit(0)));
