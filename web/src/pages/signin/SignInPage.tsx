import { ComingSoon } from '../../components/states';

export default function SignInPage() {
  return <ComingSoon title="Sign in" />;
}
