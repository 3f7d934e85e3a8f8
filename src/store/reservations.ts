/** Reading `.tinytown/reservations/`: every file parsed; one that does not validate is a problem, never a crash. */
import path from 'node:path';
import { ValidationError } from '../errors.js';
import type { Reservation } from '../core/types.js';
import { parseReservation } from './records.js';
import { townPaths } from './paths.js';
import { markdownFiles } from './reader.js';
import { readTownFile, toProblem, type Listing, type Problem } from './town-file.js';

export function listReservations(root: string): Listing<Reservation> {
  const problems: Problem[] = [];
  const items: Reservation[] = [];
  for (const file of markdownFiles(root, townPaths.reservationsDir, problems)) {
    try {
      const reservation = parseReservation(readTownFile(root, file), file);
      if (path.posix.basename(file, '.md') !== reservation.id) {
        throw new ValidationError(`${file}: field "id" is "${reservation.id}" but the file is named ${path.posix.basename(file)}`, file, 'id');
      }
      items.push(reservation);
    } catch (error) {
      const { message, line } = toProblem(file, error);
      problems.push({ file, message, ...(line ? { line } : {}) });
    }
  }
  items.sort((a, b) => a.created.localeCompare(b.created) || a.id.localeCompare(b.id));
  return { items, problems };
}
