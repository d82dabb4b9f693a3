// One browser phone call: this page plays Plivo's part of an Audio Stream. It opens the
// stream WebSocket with a phone token, sends `start`, then the microphone as 20 ms `media`
// frames in the stream's format; plays `playAudio` through the playout worklet; answers
// `checkpoint` with `playedStream` once the audio before it has played, `clearAudio` with
// `clearedAudio` after flushing; and sends `dtmf` for key presses.
import { Resampler, decodeWire, encodeWire, fromBase64, toBase64 } from './phone-dsp.js';

// Level above which played or captured audio counts as speech (about -30 dBFS).
const SPEECH_PEAK = 0.03;
// Quiet shorter than this does not split a speech segment.
const SEGMENT_GAP_MS = 400;

/** Speech segments on the call's clock (ms since the call connected). */
class Segments {
  constructor() {
    this.list = [];
  }

  add(atMs, durationMs, loud) {
    if (!loud) return;
    const last = this.list[this.list.length - 1];
    if (last !== undefined && atMs - last.endMs <= SEGMENT_GAP_MS) last.endMs = atMs + durationMs;
    else this.list.push({ startMs: atMs, endMs: atMs + durationMs });
  }

  get totalMs() {
    return this.list.reduce((a, s) => a + (s.endMs - s.startMs), 0);
  }
}

export class PhoneCall {
  /**
   * @param {{ token: string, callId: string, streamId: string, streamPath: string, format: { name: string, encoding: string, sampleRate: number } }} session
   * @param {{ echoCancellation: boolean, onChange: () => void, onEnd: (reason: string) => void, onLevel: (mic: number, agent: number) => void }} hooks
   */
  constructor(session, hooks) {
    this.session = session;
    this.format = session.format;
    this.hooks = hooks;
    this.seq = 0;
    this.chunk = 0;
    this.t0 = 0;
    this.ended = false;
    this.stats = {
      framesSent: 0,
      bytesSent: 0,
      playAudioReceived: 0,
      bytesReceived: 0,
      samplesPlayed: 0,
      checkpointsReceived: 0,
      checkpointsAnswered: 0,
      checkpointsDropped: 0,
      clears: 0,
      dtmfSent: 0,
      agentDtmf: '',
      underruns: 0,
      errors: [],
    };
    this.heard = new Segments();
    this.spoke = new Segments();
  }

  /** Ms since the call connected. */
  now() {
    return this.t0 === 0 ? 0 : performance.now() - this.t0;
  }

  /** Open the microphone, the audio graph and the stream. */
  async start() {
    if (navigator.mediaDevices?.getUserMedia === undefined) {
      throw new Error('this browser gives pages the microphone only over https:// or on http://localhost (open the dashboard that way)');
    }
    this.mic = await navigator.mediaDevices.getUserMedia({
      audio: { channelCount: 1, echoCancellation: this.hooks.echoCancellation, noiseSuppression: this.hooks.echoCancellation, autoGainControl: this.hooks.echoCancellation },
    });
    // Capture at the device's rate (our resampler low-passes); play at the stream's rate so
    // checkpoints count exactly the samples the agent sent.
    this.capCtx = new AudioContext({ latencyHint: 'interactive' });
    this.playCtx = new AudioContext({ latencyHint: 'interactive', sampleRate: this.format.sampleRate });
    const worklet = new URL('./phone-worklet.js', import.meta.url).href;
    await Promise.all([this.capCtx.audioWorklet.addModule(worklet), this.playCtx.audioWorklet.addModule(worklet)]);
    await Promise.all([this.capCtx.resume(), this.playCtx.resume()]);
    this.resampler = new Resampler(this.capCtx.sampleRate, this.format.sampleRate);
    this.frameSamples = this.format.sampleRate / 50;
    this.pending = new Float32Array(0);

    this.playout = new AudioWorkletNode(this.playCtx, 'callwire-playout', { numberOfInputs: 0, outputChannelCount: [1], processorOptions: { prebufferMs: 60 } });
    this.playout.connect(this.playCtx.destination);
    this.playout.port.onmessage = (e) => this.#onPlayout(e.data);

    this.capture = new AudioWorkletNode(this.capCtx, 'callwire-capture', { numberOfOutputs: 0 });
    this.capCtx.createMediaStreamSource(this.mic).connect(this.capture);
    this.capture.port.onmessage = (e) => this.#onCapture(e.data);

    const scheme = location.protocol === 'https:' ? 'wss:' : 'ws:';
    this.ws = new WebSocket(`${scheme}//${location.host}${this.session.streamPath}`);
    await new Promise((resolve, reject) => {
      this.ws.onopen = resolve;
      this.ws.onerror = () => reject(new Error('the stream WebSocket did not open (see the server log)'));
      this.ws.onclose = (e) => reject(new Error(`the server refused the stream (${e.code}${e.reason ? `: ${e.reason}` : ''})`));
    });
    this.ws.onmessage = (e) => this.#onMessage(e.data);
    this.ws.onclose = (e) => this.#finish(`the stream closed (${e.code}${e.reason ? `: ${e.reason}` : ''})`);
    this.ws.onerror = () => undefined;
    this.t0 = performance.now();
    this.#send({
      event: 'start',
      sequenceNumber: ++this.seq,
      start: {
        callId: this.session.callId,
        streamId: this.session.streamId,
        accountId: 'browser-phone',
        tracks: ['inbound'],
        mediaFormat: { encoding: this.format.encoding, sampleRate: this.format.sampleRate },
      },
      extra_headers: '',
    });
    this.hooks.onChange();
  }

  /** Press a key: a `dtmf` message, as Plivo reports a caller's key press. */
  dtmf(digit) {
    if (this.ended || this.t0 === 0) return;
    this.#send({ event: 'dtmf', sequenceNumber: ++this.seq, streamId: this.session.streamId, dtmf: { track: 'inbound', digit, timestamp: String(Date.now()) }, extra_headers: '' });
    this.stats.dtmfSent++;
    this.hooks.onChange();
  }

  /** Hang up: close the stream, as Plivo does when the caller hangs up. */
  hangup() {
    if (this.ws !== undefined && this.ws.readyState <= WebSocket.OPEN) this.ws.close(1000, 'caller hung up');
    this.#finish('you hung up');
  }

  #send(message) {
    if (this.ws?.readyState === WebSocket.OPEN) this.ws.send(JSON.stringify(message));
  }

  #error(text) {
    if (this.stats.errors.length < 50) this.stats.errors.push(text);
    this.hooks.onChange();
  }

  #onCapture({ samples, peak }) {
    if (this.ended || this.t0 === 0) return;
    const at = this.now();
    this.spoke.add(at, 20, peak >= SPEECH_PEAK);
    this.micLevel = peak;
    const out = this.resampler.process(samples);
    const all = new Float32Array(this.pending.length + out.length);
    all.set(this.pending, 0);
    all.set(out, this.pending.length);
    let offset = 0;
    for (; offset + this.frameSamples <= all.length; offset += this.frameSamples) {
      const bytes = encodeWire(all.subarray(offset, offset + this.frameSamples), this.format.encoding);
      this.#send({
        event: 'media',
        sequenceNumber: ++this.seq,
        streamId: this.session.streamId,
        media: { track: 'inbound', timestamp: String(Date.now()), chunk: ++this.chunk, payload: toBase64(bytes) },
        extra_headers: '',
      });
      this.stats.framesSent++;
      this.stats.bytesSent += bytes.length;
    }
    this.pending = all.slice(offset);
    this.hooks.onLevel(peak, this.agentLevel ?? 0);
  }

  #onPlayout(m) {
    if (m.type === 'played') {
      this.#send({ event: 'playedStream', sequenceNumber: ++this.seq, streamId: this.session.streamId, name: m.name });
      this.stats.checkpointsAnswered++;
      this.hooks.onChange();
    } else if (m.type === 'cleared') {
      this.stats.checkpointsDropped += m.droppedMarks;
      this.#send({ event: 'clearedAudio', sequenceNumber: ++this.seq, streamId: this.session.streamId });
      this.hooks.onChange();
    } else if (m.type === 'stats') {
      const playedBefore = this.stats.samplesPlayed;
      this.stats.samplesPlayed = m.played;
      this.stats.underruns = m.underruns;
      const ms = ((m.played - playedBefore) / this.format.sampleRate) * 1000;
      if (ms > 0) this.heard.add(this.now() - ms, ms, m.peak >= SPEECH_PEAK);
      this.agentLevel = m.peak;
    }
  }

  #onMessage(text) {
    if (typeof text !== 'string') {
      this.#error('the server sent a binary frame (Plivo expects JSON text)');
      return;
    }
    let m;
    try {
      m = JSON.parse(text);
    } catch {
      this.#error('the server sent a frame that is not JSON');
      return;
    }
    switch (m?.event) {
      case 'playAudio': {
        const media = m.media ?? {};
        // Plivo plays only audio in the stream's own format (the guide's invalid_content_type).
        if (media.contentType !== this.format.encoding || Number(media.sampleRate) !== this.format.sampleRate) {
          this.#error(`invalid_content_type: playAudio ${media.contentType}/${media.sampleRate} on a ${this.format.name} stream`);
          return;
        }
        let samples;
        try {
          samples = decodeWire(fromBase64(String(media.payload ?? '')), this.format.encoding);
        } catch (e) {
          this.#error(`playAudio payload: ${e.message}`);
          return;
        }
        this.stats.playAudioReceived++;
        this.stats.bytesReceived += samples.length * (this.format.encoding === 'audio/x-mulaw' ? 1 : 2);
        this.playout.port.postMessage({ type: 'audio', samples }, [samples.buffer]);
        return;
      }
      case 'checkpoint':
        this.stats.checkpointsReceived++;
        this.playout.port.postMessage({ type: 'mark', name: String(m.name ?? '') });
        return;
      case 'clearAudio':
        this.stats.clears++;
        this.playout.port.postMessage({ type: 'clear' });
        return;
      case 'sendDTMF':
        this.stats.agentDtmf += String(m.dtmf ?? '');
        this.hooks.onChange();
        return;
      default:
        this.#error(`unknown event from the server: ${String(m?.event).slice(0, 40)}`);
    }
  }

  #finish(reason) {
    if (this.ended) return;
    this.ended = true;
    this.endReason = reason;
    for (const t of this.mic?.getTracks() ?? []) t.stop();
    void this.capCtx?.close();
    // Let the last played-audio report arrive before the playout context goes.
    setTimeout(() => void this.playCtx?.close(), 200);
    this.hooks.onEnd(reason);
  }

  /** A read-only snapshot for the page and for tests (window.callwirePhone). */
  snapshot() {
    const rate = this.format.sampleRate;
    return {
      streamId: this.session.streamId,
      callId: this.session.callId,
      format: this.format.name,
      elapsedMs: Math.round(this.now()),
      ...this.stats,
      errors: [...this.stats.errors],
      playedMs: Math.round((this.stats.samplesPlayed / rate) * 1000),
      heardMs: Math.round(this.heard.totalMs),
      heard: this.heard.list.map((s) => ({ startMs: Math.round(s.startMs), endMs: Math.round(s.endMs) })),
      spoke: this.spoke.list.map((s) => ({ startMs: Math.round(s.startMs), endMs: Math.round(s.endMs) })),
      endReason: this.endReason,
    };
  }
}

