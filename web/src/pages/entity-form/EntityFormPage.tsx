// Placeholder: another part of the app replaces this page.
import { ComingSoon } from '../../components/states';

export default function EntityFormPage() {
  return <ComingSoon title="Entity form" />;
}
