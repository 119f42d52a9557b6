/**
 * Generic key commands.
 */
import type { CommandSpec } from './table.js';

export const keyCommands: CommandSpec[] = [];
