/**
 * CLIENT and the connection handshake commands (HELLO, AUTH, RESET).
 */
import type { CommandSpec } from './table.js';

export const clientCommands: CommandSpec[] = [];
