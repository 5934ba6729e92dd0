/** Mock mode (`npm run start:mock`): in-memory services, a simulated socket, a little latency. */
import { Provider } from '@angular/core';
import { WEBSOCKET_FACTORY } from '../core/live-socket';
import { MOCK_LATENCY, provideMockData } from './mock';
import { mockSocketFactory } from './mock/mock-socket';

export const DATA_MODE: 'api' | 'mock' = 'mock';

export function provideData(): Provider[] {
  return [
    ...provideMockData(),
    { provide: MOCK_LATENCY, useValue: 250 },
    { provide: WEBSOCKET_FACTORY, useFactory: mockSocketFactory },
  ];
}
