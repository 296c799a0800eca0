// Placeholder: another part of the app replaces this page.
import { ComingSoon } from '../../components/states';

export default function CatalogPage() {
  return <ComingSoon title="Catalog" />;
}
