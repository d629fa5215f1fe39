/** dist/server.js: the language server as its own process (the extension starts it over IPC; `--stdio` works too). */
import { startServer } from './server';

startServer();
