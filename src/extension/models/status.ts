/**
 * The status bar item as a small state machine, free of `vscode` so plain mocha tests it. Events
 * come from the workspace (scan results, trust, target choice, long work); `present` turns the
 * state into what the item shows.
 */
import type { Target } from '../../core/plan/types';

export type StatusState =
  | { kind: 'hidden' }
  | { kind: 'untrusted'; folder: string }
  | { kind: 'unconverted'; folder: string; manifests: number }
  | { kind: 'ready'; folder: string; target: Target }
  | { kind: 'busy'; folder: string; what: string; previous: StatusState }
  | { kind: 'failed'; folder: string; message: string };

export type StatusEvent =
  | { type: 'scanned'; folder: string; manifests: number; converted: boolean; trusted: boolean; target: Target }
  | { type: 'target'; target: Target }
  | { type: 'busy'; what: string }
  | { type: 'done'; converted: boolean; target: Target }
  | { type: 'failed'; message: string }
  | { type: 'trusted'; converted: boolean; target: Target };

export function next(state: StatusState, event: StatusEvent): StatusState {
  const folder = 'folder' in state ? state.folder : '';
  switch (event.type) {
    case 'scanned':
      if (!event.manifests && !event.converted) return { kind: 'hidden' };
      if (!event.trusted) return { kind: 'untrusted', folder: event.folder };
      return event.converted ? { kind: 'ready', folder: event.folder, target: event.target } : { kind: 'unconverted', folder: event.folder, manifests: event.manifests };
    case 'target':
      return state.kind === 'ready' ? { ...state, target: event.target } : state;
    case 'busy':
      return state.kind === 'hidden' ? state : { kind: 'busy', folder, what: event.what, previous: state.kind === 'busy' ? state.previous : state };
    case 'done':
      if (state.kind !== 'busy') return state;
      return event.converted ? { kind: 'ready', folder, target: event.target } : state.previous;
    case 'failed':
      return state.kind === 'hidden' ? state : { kind: 'failed', folder, message: event.message };
    case 'trusted':
      if (state.kind !== 'untrusted') return state;
      return event.converted ? { kind: 'ready', folder, target: event.target } : { kind: 'unconverted', folder, manifests: 1 };
  }
}

export interface StatusView {
  visible: boolean;
  text: string;
  tooltip: string;
  command?: string;
}

const TARGET_LABEL: Record<Target, string> = { cpu: 'CPU', cuda: 'CUDA' };

export function present(state: StatusState): StatusView {
  switch (state.kind) {
    case 'hidden':
      return { visible: false, text: '', tooltip: '' };
    case 'untrusted':
      return { visible: true, text: '$(shield) Seam', tooltip: `Seam reads ${state.folder} but runs and writes nothing until you trust this workspace`, command: 'workbench.trust.manage' };
    case 'unconverted':
      return { visible: true, text: '$(package) Seam: convert', tooltip: `Make ${state.folder} a reproducible Nix + uv environment (cpu and cuda)`, command: 'seam.convert' };
    case 'ready':
      return { visible: true, text: `$(circuit-board) Seam: ${TARGET_LABEL[state.target]}`, tooltip: `${state.folder}: the ${state.target} shell. Click to switch target`, command: 'seam.selectTarget' };
    case 'busy':
      return { visible: true, text: `$(sync~spin) Seam: ${state.what}`, tooltip: `Seam is ${state.what} in ${state.folder}` };
    case 'failed':
      return { visible: true, text: '$(error) Seam', tooltip: `${state.message} (click for the log)`, command: 'seam.showLog' };
  }
}
