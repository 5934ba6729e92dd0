import { InjectionToken } from '@angular/core';

/** Where the JSON API lives (same origin as the SPA). */
export const API_BASE = new InjectionToken<string>('API_BASE', {
  providedIn: 'root',
  factory: () => '/api/v1',
});

