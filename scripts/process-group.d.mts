export function signalProcessGroup(pid: number | undefined, signal: NodeJS.Signals): boolean;
