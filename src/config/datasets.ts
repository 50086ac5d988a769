import { z } from 'zod';

const unixSeconds = z.number().finite();

/**
 * One dataset of a datasets file (the bundled `data/datasets.json`, or another given with `--datasets`): a
 * series file and its train/test split in the fields of the forecast benchmark protocol (docs/models.md;
 * snake_case kept so the same file serves the benchmark's scorer).
 */
export const datasetSchema = z
  .object({
    file: z.string().min(1, 'is empty; give the series file, relative to the datasets file'),
    what: z.string().optional(),
    step_seconds: z.number().positive('must be > 0; give the bucket size in seconds'),
    train_start: unixSeconds,
    train_end: unixSeconds,
    test_end: unixSeconds,
    horizon_steps: z.number().int().positive('must be a whole number ≥ 1; give how many steps to forecast'),
    origin_every_steps: z
      .number()
      .int()
      .positive('must be a whole number ≥ 1; give how many steps apart forecast origins are'),
    report_h: z.array(z.number().int().positive()).min(1),
    season_seconds: z.number().positive().default(86400),
  })
  .superRefine((d, ctx) => {
    if (d.train_end <= d.train_start) {
      ctx.addIssue({
        code: 'custom',
        path: ['train_end'],
        message: `${d.train_end} is not after train_start (${d.train_start}); fix the split`,
      });
    }
    if (d.test_end < d.train_end + d.horizon_steps * d.step_seconds) {
      ctx.addIssue({
        code: 'custom',
        path: ['test_end'],
        message: `leaves no forecast origin (needs ≥ train_end + horizon_steps × step_seconds = ${d.train_end + d.horizon_steps * d.step_seconds}); extend the test period or shorten the horizon`,
      });
    }
    for (const h of d.report_h) {
      if (h > d.horizon_steps) {
        ctx.addIssue({
          code: 'custom',
          path: ['report_h'],
          message: `${h} is beyond horizon_steps (${d.horizon_steps}); report horizons within 1..horizon_steps`,
        });
      }
    }
  });

/** A parsed dataset entry. */
export type Dataset = z.infer<typeof datasetSchema>;

/** A datasets file: dataset name → entry. */
export const datasetsFileSchema = z.record(z.string(), datasetSchema);
