// AudioWorklet processors of the browser phone (loaded with audioWorklet.addModule).
//
// callwire-capture: the microphone, mixed to mono, posted to the page in 20 ms blocks
// with their peak level. It keeps posting (silence) when the input has no channels, as a
// phone line keeps sending frames while the caller is quiet.
//
// callwire-playout: the agent's audio, played in the order it arrived with the checkpoints
// between it. It plays at the stream's own rate (the page runs this context at 8 or 16 kHz
// and the browser converts for the speaker). A little audio is buffered before playback
// starts, so network jitter does not chop speech; a checkpoint is reported once all audio
// before it has been rendered, as Plivo answers `playedStream`.

class CaptureProcessor extends AudioWorkletProcessor {
  constructor() {
    super();
    this.size = Math.round(sampleRate / 50);
    this.block = new Float32Array(this.size);
    this.filled = 0;
    this.peak = 0;
  }

  process(inputs) {
    const channels = inputs[0] ?? [];
    const frames = channels.length > 0 ? channels[0].length : 128;
    for (let i = 0; i < frames; i++) {
      let s = 0;
      for (let c = 0; c < channels.length; c++) s += channels[c][i];
      if (channels.length > 1) s /= channels.length;
      this.block[this.filled++] = s;
      const a = s < 0 ? -s : s;
      if (a > this.peak) this.peak = a;
      if (this.filled === this.size) {
        this.port.postMessage({ samples: this.block, peak: this.peak }, [this.block.buffer]);
        this.block = new Float32Array(this.size);
        this.filled = 0;
        this.peak = 0;
      }
    }
    return true;
  }
}

class PlayoutProcessor extends AudioWorkletProcessor {
  constructor(options) {
    super();
    const o = options?.processorOptions ?? {};
    this.prebuffer = Math.round((sampleRate * (o.prebufferMs ?? 60)) / 1000);
    this.queue = []; // { samples, offset } or { mark }
    this.buffered = 0;
    this.playing = false;
    this.waited = 0;
    this.played = 0;
    this.underruns = 0;
    this.due = [];
    this.peak = 0;
    this.sinceReport = 0;
    this.reportEvery = Math.round(sampleRate / 50);
    this.port.onmessage = (e) => this.onMessage(e.data);
  }

  onMessage(m) {
    if (m.type === 'audio') {
      this.queue.push({ samples: m.samples, offset: 0 });
      this.buffered += m.samples.length;
    } else if (m.type === 'mark') {
      this.queue.push({ mark: m.name });
    } else if (m.type === 'clear') {
      // Plivo drops the buffered audio and the checkpoints waiting behind it.
      const droppedMarks = this.queue.filter((it) => it.mark !== undefined).length;
      const droppedSamples = this.buffered;
      this.queue = [];
      this.buffered = 0;
      this.playing = false;
      this.waited = 0;
      this.port.postMessage({ type: 'cleared', droppedMarks, droppedSamples });
    }
  }

  process(_inputs, outputs) {
    const out = outputs[0][0];
    // Marks passed during the previous quantum: the audio before them has now been rendered.
    if (this.due.length > 0) {
      for (const name of this.due) this.port.postMessage({ type: 'played', name });
      this.due = [];
    }
    if (!this.playing) {
      while (this.queue.length > 0 && this.queue[0].mark !== undefined) this.due.push(this.queue.shift().mark);
      if (this.buffered > 0) {
        this.waited += out.length;
        const markQueued = this.queue.some((it) => it.mark !== undefined);
        if (this.buffered >= this.prebuffer || this.waited >= this.prebuffer || markQueued) this.playing = true;
      }
    }
    let i = 0;
    let peak = 0;
    if (this.playing) {
      while (i < out.length && this.queue.length > 0) {
        const head = this.queue[0];
        if (head.mark !== undefined) {
          this.due.push(head.mark);
          this.queue.shift();
          continue;
        }
        const take = Math.min(out.length - i, head.samples.length - head.offset);
        for (let k = 0; k < take; k++) {
          const v = head.samples[head.offset + k];
          out[i + k] = v;
          const a = v < 0 ? -v : v;
          if (a > peak) peak = a;
        }
        i += take;
        head.offset += take;
        this.buffered -= take;
        this.played += take;
        if (head.offset === head.samples.length) this.queue.shift();
      }
      if (this.buffered === 0) {
        // Ran dry: wait for a prebuffer again. Mid-utterance (no checkpoint closed it) that is a stall.
        if (i < out.length && this.queue.length === 0 && this.due.length === 0) this.underruns++;
        this.playing = false;
        this.waited = 0;
      }
    }
    out.fill(0, i);
    for (let c = 1; c < outputs[0].length; c++) outputs[0][c].set(out);
    if (peak > this.peak) this.peak = peak;
    this.sinceReport += out.length;
    if (this.sinceReport >= this.reportEvery) {
      this.port.postMessage({ type: 'stats', played: this.played, buffered: this.buffered, peak: this.peak, underruns: this.underruns });
      this.sinceReport = 0;
      this.peak = 0;
    }
    return true;
  }
}

registerProcessor('callwire-capture', CaptureProcessor);
registerProcessor('callwire-playout', PlayoutProcessor);
