export { ConsoleConfig } from "./config";
export { buildConsole, startConsole, type RunningConsole } from "./service";
export { startDevProvider, demoPeople, type DevProvider } from "./dev-provider/provider";
