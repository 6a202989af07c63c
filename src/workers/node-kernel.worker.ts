// Node worker_threads entry: opens the file itself and reads straight into kernel memory.
import * as Comlink from 'comlink';
import nodeEndpoint from 'comlink/dist/esm/node-adapter.mjs';
import { parentPort } from 'node:worker_threads';
import { NodeFileSource } from './node-source';
import { makeWorkerApi } from './worker-api';

Comlink.expose(makeWorkerApi(async (source) => NodeFileSource.open(source as string)), nodeEndpoint(parentPort!));
