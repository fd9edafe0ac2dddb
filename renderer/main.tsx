import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import '@xyflow/react/dist/style.css';
import './styles.css';
import { createClient, detectTransport } from './api';
import { subscribeMenu } from './api/menu';
import { App } from './App';
import { QueryClientProvider } from '@tanstack/react-query';
import { eventInvalidator, invalidateAll, queryClient } from './data/query';
import { setClient, useApp } from './store';

const client = createClient(detectTransport());
setClient(client);
client.subscribe(eventInvalidator(queryClient), () => void invalidateAll(queryClient));
subscribeMenu(() => useApp.getState());

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <QueryClientProvider client={queryClient}>
      <App />
    </QueryClientProvider>
  </StrictMode>,
);
