// Web Worker entry: reads its own slices of the dropped File (File.slice), runs the kernels.
import * as Comlink from 'comlink';
import { BlobSource } from '../engine/bytesource';
import { makeWorkerApi } from './worker-api';

Comlink.expose(makeWorkerApi(async (source) => new BlobSource(source as Blob)));
