/** Seam's settings (`seam.*` in package.json), typed, read fresh each time. */
import * as vscode from 'vscode';
import type { Target } from '../core/plan/types';

export interface Settings {
  /** The nix binary: a name on PATH or an absolute path. */
  nixPath: string;
  defaultTarget: Target;
  offerConversion: boolean;
}

export function settings(scope?: vscode.ConfigurationScope): Settings {
  const c = vscode.workspace.getConfiguration('seam', scope);
  const target = c.get<string>('defaultTarget', 'cpu');
  return {
    nixPath: c.get<string>('nixPath', 'nix') || 'nix',
    defaultTarget: target === 'cuda' ? 'cuda' : 'cpu',
    offerConversion: c.get<boolean>('offerConversion', true),
  };
}
