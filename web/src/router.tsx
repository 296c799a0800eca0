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
      // A page that throws shows its error inside the shell, which keeps working.
      { index: true, element: page(HomePage), errorElement: <RouteError /> },
      { path: 'catalog', element: page(BlueprintsPage), errorElement: <RouteError /> },
      { path: 'catalog/:blueprint', element: page(CatalogPage), errorElement: <RouteError /> },
      { path: 'catalog/:blueprint/new', element: page(EntityFormPage), errorElement: <RouteError /> },
      { path: 'entities/:blueprint/:identifier', element: page(EntityPage), errorElement: <RouteError /> },
      { path: 'entities/:blueprint/:identifier/edit', element: page(EntityFormPage), errorElement: <RouteError /> },
      { path: 'data-model', element: page(BuilderPage), errorElement: <RouteError /> },
      { path: 'data-model/:blueprint', element: page(BuilderPage), errorElement: <RouteError /> },
      { path: '*', element: page(NotFoundPage) },
    ],
  },
];

export function createAppRouter() {
  return createBrowserRouter(routes);
}
