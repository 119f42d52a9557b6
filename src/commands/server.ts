/**
 * Server administration commands (INFO, DBSIZE, FLUSH*, DEBUG, SLOWLOG, ...).
 */
import type { CommandSpec } from './table.js';

export const serverCommands: CommandSpec[] = [];
