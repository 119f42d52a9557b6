/**
 * Pub/sub commands.
 */
import type { CommandSpec } from './table.js';

export const pubsubCommands: CommandSpec[] = [];
