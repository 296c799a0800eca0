import { lazy, Suspense, type ComponentType, type LazyExoticComponent } from 'react';
import { createBrowserRouter, type RouteObject } from 'react-router';
import { AppLayout } from './components/AppLayout';
import { PageLoader } from './components/states';
import { RouteError } from './components/RouteError';

// Pages load on demand, so the first screen carries only the shell.
const HomePage = lazy(() => import('./pages/home/HomePage'));
const BlueprintsPage = lazy(() => import('./pages/blueprints/BlueprintsPage'));
const CatalogPage = lazy(() => import('./pages/catalog/CatalogPage'));
const EntityPage = lazy(() => import('./pages/entity/EntityPage'));
const BuilderPage = lazy(() => import('./pages/builder/BuilderPage'));
const EntityFormPage = lazy(() => import('./pages/entity-form/EntityFormPage'));
const SignInPage = lazy(() => import('./pages/signin/SignInPage'));
const NotFoundPage = lazy(() => import('./pages/NotFoundPage'));

function page(C: LazyExoticComponent<ComponentType>) {
  return (
    <Suspense fallback={<PageLoader />}>
      <C />
    </Suspense>
  );
}

export const routes: RouteObject[] = [
  { path: '/sign-in', element: page(SignInPage), errorElement: <RouteError /> },
  {
    element: <AppLayout />,
    errorElement: <RouteError />,
    children: [
      { index: true, element: page(HomePage) },
      { path: 'catalog', element: page(BlueprintsPage) },
      { path: 'catalog/:blueprint', element: page(CatalogPage) },
      { path: 'catalog/:blueprint/new', element: page(EntityFormPage) },
      { path: 'entities/:blueprint/:identifier', element: page(EntityPage) },
      { path: 'entities/:blueprint/:identifier/edit', element: page(EntityFormPage) },
      { path: 'data-model', element: page(BuilderPage) },
      { path: 'data-model/:blueprint', element: page(BuilderPage) },
      { path: '*', element: page(NotFoundPage) },
    ],
  },
];

export function createAppRouter() {
  return createBrowserRouter(routes);
}
