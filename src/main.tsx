import { render } from 'solid-js/web';
import { App } from './ui/App';
import { prepare } from './ui/session';
import './ui/styles.css';

render(() => <App />, document.getElementById('root')!);

// Workers, kernels and the demangler get ready while the user picks files.
setTimeout(prepare, 0);

// Offline support: the service worker precaches the whole build. Production only (the dev
// server's modules are not precached), and a relative URL so any sub-path works.
if (import.meta.env.PROD && 'serviceWorker' in navigator) {
  window.addEventListener('load', () => {
    navigator.serviceWorker.register('./sw.js').catch((e) => console.warn('heaplens: service worker not registered:', e));
  });
}
