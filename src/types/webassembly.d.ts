// The WebAssembly globals callwire uses. TypeScript ships them only in the DOM and worker
// libs, which this Node-only project does not load.
declare namespace WebAssembly {
  // Opaque; merged with the (also empty) declaration in esbuild's types, hence not a type alias.
  interface Module {
    readonly __compiledWasm?: never;
  }
  interface Instance {
    readonly exports: Record<string, unknown>;
  }
  type Imports = Record<string, Record<string, unknown>>;
}

declare var WebAssembly: {
  compile(bytes: ArrayBufferView | ArrayBuffer): Promise<WebAssembly.Module>;
  Instance: new (module: WebAssembly.Module, imports?: WebAssembly.Imports) => WebAssembly.Instance;
};
