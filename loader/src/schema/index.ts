/** Schema planning: the DDL a batch needs and the rows to load after it (pure). */
export {
  planTable,
  UnsupportedColumnError,
  type ExistingColumn,
  type Migration,
  type TablePlan,
} from './plan.js';
export { postgresRules, redshiftRules } from './rules.js';
