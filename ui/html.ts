// Preact + htm: tagged templates instead of JSX, so the UI needs no JSX transform and its
// templates type-check as plain TypeScript.
import htm from 'htm';
import { h, type VNode } from 'preact';

export const html = htm.bind(h) as (strings: TemplateStringsArray, ...values: unknown[]) => VNode;
