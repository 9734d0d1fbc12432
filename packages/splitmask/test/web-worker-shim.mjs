// A Node worker thread dressed as a Web Worker (`self.addEventListener('message')`, `postMessage`, `close`)
// running `serveWebWorker()`: lets the Web Worker adapter be tested without a browser.
import { parentPort } from 'node:worker_threads';

globalThis.addEventListener = (type, listener) => {
  if (type === 'message') parentPort.on('message', (data) => listener({ data }));
};
globalThis.postMessage = (message, transfer) => parentPort.postMessage(message, transfer);
globalThis.close = () => parentPort.close();
const { serveWebWorker } = await import('../dist/index.js');
serveWebWorker();
