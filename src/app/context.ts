/** What every operation needs: the town, who is acting, and the clock (injectable for golden tests). */
import type { Town } from '../store/town.js';

export interface OpContext {
  town: Town;
  /** The acting agent, already resolved to a canonical name. */
  actor: string;
  now: () => Date;
}
