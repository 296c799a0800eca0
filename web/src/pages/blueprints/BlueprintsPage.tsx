import { ComingSoon } from '../../components/states';

export default function BlueprintsPage() {
  return <ComingSoon title="Catalog" />;
}
