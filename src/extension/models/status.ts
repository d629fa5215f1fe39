/**
 * The status bar item as a small state machine, free of `vscode` so plain mocha tests it. Events
 * come from the workspace (scan results, trust, target choice, resolution, long work); `present`
 * turns the state into what the item shows: `$(chip) cuda · ready`, `$(cpu) cpu · resolving…`,
 * `$(warning) cuda · driver too old`, `$(play-circle) Seam: convert`.
 */
import type { Target } from '../../core/plan/types';

export type Phase = 'resolving' | 'ready' | 'stale' | 'failed' | 'off';

export interface Details {
  gpu?: string;
  driver?: string;
  cuda?: string;
  python?: string;
  nixpkgs?: string;
  /** The problem to show (driver too old, nix missing…). */
  problem?: string;
  /** Short form of the problem for the item itself ("driver too old"). */
  short?: string;
}

export type StatusState =
  | { kind: 'hidden' }
  | { kind: 'untrusted'; folder: string }
  | { kind: 'unconverted'; folder: string; manifests: number }
  | { kind: 'ready'; folder: string; target: Target; phase: Phase; details: Details }
  | { kind: 'busy'; folder: string; what: string; previous: StatusState }
  | { kind: 'failed'; folder: string; message: string };

export type StatusEvent =
  | { type: 'scanned'; folder: string; manifests: number; converted: boolean; trusted: boolean; target: Target }
  | { type: 'target'; target: Target }
  | { type: 'resolving' }
  | { type: 'resolved'; details: Details }
  | { type: 'unresolved'; problem: string; short: string }
  | { type: 'stale' }
  | { type: 'disabled' }
  | { type: 'busy'; what: string }
  | { type: 'done'; converted: boolean; target: Target }
  | { type: 'failed'; message: string }
  | { type: 'trusted'; converted: boolean; target: Target };

export function next(state: StatusState, event: StatusEvent): StatusState {
  const folder = 'folder' in state ? state.folder : '';
  switch (event.type) {
    case 'scanned': {
      if (!event.manifests && !event.converted) return { kind: 'hidden' };
      if (!event.trusted) return { kind: 'untrusted', folder: event.folder };
      if (!event.converted) return { kind: 'unconverted', folder: event.folder, manifests: event.manifests };
      const same = state.kind === 'ready' && state.folder === event.folder && state.target === event.target;
      return same
        ? state
        : {
            kind: 'ready',
            folder: event.folder,
            target: event.target,
            phase: 'resolving',
            details: state.kind === 'ready' ? state.details : {},
          };
    }
    case 'target':
      return state.kind === 'ready' && state.target !== event.target
        ? { ...state, target: event.target, phase: 'resolving', details: { ...state.details, problem: undefined, short: undefined } }
        : state;
    case 'resolving':
      return state.kind === 'ready' ? { ...state, phase: state.phase === 'ready' ? 'stale' : 'resolving' } : state;
    case 'resolved':
      return state.kind === 'ready' ? { ...state, phase: 'ready', details: event.details } : state;
    case 'unresolved':
      return state.kind === 'ready'
        ? { ...state, phase: 'failed', details: { ...state.details, problem: event.problem, short: event.short } }
        : state;
    case 'stale':
      return state.kind === 'ready' && state.phase === 'ready' ? { ...state, phase: 'stale' } : state;
    case 'disabled':
      return state.kind === 'ready' ? { ...state, phase: 'off' } : state;
    case 'busy':
      return state.kind === 'hidden'
        ? state
        : { kind: 'busy', folder, what: event.what, previous: state.kind === 'busy' ? state.previous : state };
    case 'done':
      if (state.kind !== 'busy') return state;
      return event.converted ? { kind: 'ready', folder, target: event.target, phase: 'resolving', details: {} } : state.previous;
    case 'failed':
      return state.kind === 'hidden' ? state : { kind: 'failed', folder, message: event.message };
    case 'trusted':
      if (state.kind !== 'untrusted') return state;
      return event.converted
        ? { kind: 'ready', folder, target: event.target, phase: 'resolving', details: {} }
        : { kind: 'unconverted', folder, manifests: 1 };
  }
}

export interface StatusView {
  visible: boolean;
  text: string;
  tooltip: string;
  command?: string;
}

const ICON: Record<Target, string> = { cpu: '$(server)', cuda: '$(chip)' };

export function tooltipLines(state: Extract<StatusState, { kind: 'ready' }>): string[] {
  const d = state.details;
  const lines = [`Seam · ${state.folder} · ${state.target} shell`];
  if (d.problem) lines.push(`⚠ ${d.problem}`);
  if (d.gpu) lines.push(`GPU: ${d.gpu}`);
  if (d.driver) lines.push(`Driver: ${d.driver}`);
  if (d.cuda) lines.push(`CUDA: ${d.cuda}`);
  if (d.python) lines.push(`Python: ${d.python}`);
  if (d.nixpkgs) lines.push(`nixpkgs: ${d.nixpkgs}`);
  lines.push(state.phase === 'failed' ? 'Click to fix' : 'Click to switch target');
  return lines;
}

/** What the item shows; with `showFolder` (several workspace folders) the text names the folder. */
export function present(state: StatusState, options: { showFolder?: boolean } = {}): StatusView {
  const view = presentState(state);
  if (options.showFolder && view.visible && 'folder' in state && state.folder)
    view.text = view.text.replace(/^(\$\([^)]+\)) /, `$1 ${state.folder}: `);
  return view;
}

function presentState(state: StatusState): StatusView {
  switch (state.kind) {
    case 'hidden':
      return { visible: false, text: '', tooltip: '' };
    case 'untrusted':
      return {
        visible: true,
        text: '$(shield) Seam',
        tooltip: `Seam reads ${state.folder} but runs and writes nothing until you trust this workspace`,
        command: 'workbench.trust.manage',
      };
    case 'unconverted':
      return {
        visible: true,
        text: '$(play-circle) Seam: convert',
        tooltip: `Make ${state.folder} a reproducible Nix + uv environment (cpu and cuda)`,
        command: 'seam.convert',
      };
    case 'ready': {
      const phase = { resolving: 'resolving…', ready: 'ready', stale: 'updating…', failed: state.details.short ?? 'failed', off: 'off' }[
        state.phase
      ];
      const icon =
        state.phase === 'failed' || state.details.short ? '$(warning)' : state.phase === 'resolving' ? '$(sync~spin)' : ICON[state.target];
      const text = `${icon} ${state.target} · ${state.phase === 'ready' && state.details.short ? state.details.short : phase}`;
      // A failed resolution: the click performs its fix (stage files, retry, settings).
      const command = state.phase === 'failed' ? 'seam.fixEnvironment' : 'seam.selectTarget';
      return { visible: true, text, tooltip: tooltipLines(state).join('\n'), command };
    }
    case 'busy':
      return { visible: true, text: `$(sync~spin) Seam: ${state.what}`, tooltip: `Seam is ${state.what} in ${state.folder}` };
    case 'failed':
      return { visible: true, text: '$(error) Seam', tooltip: `${state.message} (click for the log)`, command: 'seam.showLog' };
  }
}
