// Times every latin1 decoder candidate inside a Web Worker (where the regex count decodes).
import { measureDecoders } from '../../../src/engine/content/latin1';

self.onmessage = () => postMessage(measureDecoders(16 << 20));
