import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import '@xyflow/react/dist/style.css';
import './styles.css';
import { createClient, detectTransport } from './api';
import { subscribeMenu } from './api/menu';
import { App } from './App';
import { handleEvent, refreshAll, setClient, useApp } from './store';

const client = createClient(detectTransport());
setClient(client);
client.subscribe((e) => void handleEvent(e), () => void refreshAll());
void useApp.getState().bootstrap();
subscribeMenu(() => useApp.getState());

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <App />
  </StrictMode>,
);
