import { render } from 'solid-js/web';
import { runAnalysis } from './ui/session';
(window as unknown as { __run: typeof runAnalysis }).__run = runAnalysis;
render(() => <p>heaplens</p>, document.getElementById('root')!);
