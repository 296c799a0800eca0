import { ComingSoon } from '../../components/states';

export default function HomePage() {
  return <ComingSoon title="Home" />;
}
