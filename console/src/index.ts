export { startConsole, type RunningConsole } from './server.js';
export { buildConsoleApp, type ConsoleAppOptions, type SubscribeLive } from './app.js';
