import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import type { Command } from '../command.js';

/** The image rendered pods run unless a spec names one: as the chart sets it for the operator. */
const DEFAULT_IMAGE = 'eventpipe/eventpipe:0.1.0';

const usage = `Usage: eventpipe operator render -f pipeline.yaml [--namespace NS] [--image IMAGE]

Prints, as YAML, the Kubernetes objects the operator would apply for each EventPipeline in the file
(other documents, such as Secrets, are skipped), without a cluster: for GitOps review and diffs.
What the operator reads from the cluster is shown as a placeholder (the pipeline's uid in owner
references); loaders are rendered at spec.loader.replicas, the count before any lag is measured.

Options:
  -f, --filename FILE   the manifest ("-" reads standard input)
  -n, --namespace NS    render into this namespace (default: the manifest's, else "default")
  --image IMAGE         the operator's image, which pods run unless spec.image is set
                        (default: EVENTPIPE_OPERATOR_IMAGE, else ${DEFAULT_IMAGE})`;

export const operatorRenderCommand: Command = {
  name: 'render',
  summary: 'print the objects the operator would apply for a pipeline manifest, without a cluster',
  usage,
  run: async (argv) => {
    const { values } = parseArgs({
      args: argv,
      options: {
        filename: { type: 'string', short: 'f' },
        namespace: { type: 'string', short: 'n' },
        image: { type: 'string' },
      },
    });
    if (!values.filename) {
      console.error(`eventpipe operator render: -f pipeline.yaml is required\n\n${usage}`);
      return 2;
    }
    const text = readFileSync(values.filename === '-' ? 0 : values.filename, 'utf8');
    const { renderPipelines, RenderError, InvalidPipelineError } = await import('@eventpipe/operator');
    try {
      process.stdout.write(
        renderPipelines(text, {
          namespace: values.namespace,
          operatorImage: values.image ?? process.env.EVENTPIPE_OPERATOR_IMAGE ?? DEFAULT_IMAGE,
        }),
      );
      return 0;
    } catch (error) {
      if (error instanceof RenderError || error instanceof InvalidPipelineError) {
        console.error(`eventpipe operator render: ${values.filename}: ${error.message}`);
        return 1;
      }
      throw error;
    }
  },
};
