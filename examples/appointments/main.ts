/**
 * Run the booking line: `npx tsx examples/appointments/main.ts` with DEEPGRAM_API_KEY,
 * OPENAI_API_KEY and ELEVENLABS_API_KEY (or CARTESIA_API_KEY) set. Try the keypad path with
 * `npx callwire call --script examples/appointments/keypad.txt`.
 */
import { createLogger, createServer } from 'callwire';
import { CartesiaTts } from 'callwire/providers/cartesia';
import { DeepgramStt } from 'callwire/providers/deepgram';
import { ElevenLabsTts } from 'callwire/providers/elevenlabs';
import { OpenAiLlm } from 'callwire/providers/openai';
import { appointmentsAgent } from './agent.js';

const tts = process.env.ELEVENLABS_API_KEY ? new ElevenLabsTts() : new CartesiaTts();
const agent = appointmentsAgent({ stt: new DeepgramStt(), llm: new OpenAiLlm({ model: process.env.LLM_MODEL ?? 'gpt-4o-mini' }), tts });
const server = createServer({ agent, publicUrl: process.env.PUBLIC_URL, authToken: process.env.PLIVO_AUTH_TOKEN, logger: createLogger() });
const { url } = await server.listen(Number(process.env.PORT ?? 8080));
console.log(`booking line answering at ${url}/plivo/answer`);
process.once('SIGTERM', () => void server.drain().then(() => process.exit(0)));
process.once('SIGINT', () => void server.drain().then(() => process.exit(0)));
