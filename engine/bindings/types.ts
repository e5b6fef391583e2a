// The typed result of a binding check: dt-validate's findings (dtschema's dtb_validate.py diagnostics)
// placed on the device tree's nodes and properties with their DTS source spans. Plain data: it crosses IPC
// and goes into exports as it is.
import type { SourceSpan } from '../common';

/**
 * What dt-validate reported: a schema violation, a compatible no schema matches (-m), a DTB it could not
 * decode; or `cells`, our own cell count (engine/bindings/cells.ts, `origin: 'bringup'`).
 */
export type BindingFindingKind = 'validation' | 'unmatched' | 'decode' | 'cells';

/** One dt-validate diagnostic before it is placed on the tree (its JSON record, or one parsed text block). */
export interface RawBindingFinding {
  kind: BindingFindingKind;
  level: 'error' | 'warning';
  /** Full node path (JSON output); absent when only the node name is known (text output). */
  nodePath?: string;
  /** The node's name as dt-validate printed it (`i2c@1000`, `/` for the root). */
  nodeName?: string;
  /** The node's most specific compatible, as dt-validate printed it. */
  compatible?: string;
  /** jsonschema's path inside the node: a property name first, then indexes into its value. */
  propertyPath: (string | number)[];
  /** The message as dt-validate prints it (the best sub-error of a one-branch conditional). */
  message: string;
  /** The schema's `$id` (`http://devicetree.org/schemas/i2c/foo.yaml#`), or `generated-compatibles`. */
  schema?: string;
  hint?: string;
}

/** A finding placed on the tree: what the device detail, the why chain and `bringup dt --check-bindings` show. */
export interface BindingFinding {
  kind: BindingFindingKind;
  /** Absent: dt-validate's (dtschema). `bringup`: this workbench's own check, not dtschema's. */
  origin?: 'bringup';
  /** dt-validate reports schema violations as errors and unmatched compatibles as warnings. */
  severity: 'error' | 'warning';
  /** `/soc/i2c@1000`; `''` when the finding is about the whole blob (decode). */
  nodePath: string;
  /** The property the finding is about, present or missing (`clocks` for "'clocks' is a required property"). */
  property?: string;
  /** The property is required by the schema and absent from the node. */
  missing?: boolean;
  message: string;
  /** Short schema name (`i2c/foo.yaml`) and its full `$id`. */
  schema?: string;
  schemaId?: string;
  compatible?: string;
  hint?: string;
  /** The property's span when it exists, else the node's (first definition); absent for a DTB input. */
  span?: SourceSpan;
  /** The node's other definitions (`&label { … }` overrides), as dtc's "also defined at". */
  alsoAt?: SourceSpan[];
}

/** Whether bindings were checked, and if not, why and how to enable them (the status line). */
export type BindingsStatus =
  | { kind: 'checked'; dtschemaVersion: string; kernelVersion: string; jsonOutput: boolean }
  | { kind: 'not-installed'; message: string; enable: string }
  | { kind: 'failed'; message: string };

export interface BindingsReport {
  status: BindingsStatus;
  findings: BindingFinding[];
  /** The same findings keyed by node path, for the probe board's count and the device detail. */
  byNode: Record<string, BindingFinding[]>;
}
