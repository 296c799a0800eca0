// Sign-in: local email + password (POST /v1/auth/login sets the session cookie),
// and "Sign in with SSO" when the server has an OIDC provider. Both return to
// the page the user came from (?returnTo=).
import { useState, type FormEvent } from 'react';
import { useDocumentTitle } from '../../lib/useDocumentTitle';
import { Alert, Anchor, Button, Center, Divider, Group, Loader, Paper, PasswordInput, Stack, Text, TextInput, Title } from '@mantine/core';
import { useQueryClient } from '@tanstack/react-query';
import { useNavigate, useSearchParams } from 'react-router';
import { api, errorMessage, isApiError } from '../../api/client';
import { useAuthProviders, useMe } from '../../api/hooks';
import { ColorSchemeToggle } from '../../components/ColorSchemeToggle';
import { IconAlert } from '../../components/icons';

/** safeReturnTo keeps only same-site paths ("/catalog/x"), never "//evil" or a URL. */
export function safeReturnTo(raw: string | null | undefined): string {
  if (!raw || !raw.startsWith('/') || raw.startsWith('//') || raw.startsWith('/\\')) return '/';
  if (raw === '/sign-in' || raw.startsWith('/sign-in?') || raw.startsWith('/v1/')) return '/';
  return raw;
}

function loginErrorText(err: unknown): string {
  if (isApiError(err)) {
    if (err.status === 401) return 'The email or password is not right.';
    if (err.status === 429) return 'Too many attempts. Wait a moment and try again.';
    if (err.status === 403) return err.message || 'This account may not sign in.';
  }
  return errorMessage(err);
}

export default function SignInPage() {
  const [params] = useSearchParams();
  const returnTo = safeReturnTo(params.get('returnTo'));
  const oidcError = params.get('error');
  const navigate = useNavigate();
  const qc = useQueryClient();
  const providers = useAuthProviders();
  const me = useMe();
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const [submitting, setSubmitting] = useState(false);
  const [error, setError] = useState<unknown>(null);

  const signedIn = !!me.data && !me.data.anonymous;
  useDocumentTitle('Sign in');

  async function onSubmit(e: FormEvent) {
    e.preventDefault();
    setError(null);
    setSubmitting(true);
    try {
      await api.post('/v1/auth/login', { email: email.trim(), password }, { noAuthRedirect: true });
      qc.clear();
      await qc.invalidateQueries({ queryKey: ['me'] });
      navigate(returnTo, { replace: true });
    } catch (err) {
      setError(err);
      setSubmitting(false);
    }
  }

  const fields = isApiError(error) ? error.fields : {};
  const showLocal = providers.data?.local === true;
  const showSso = providers.data?.oidc === true;
  const authOff = providers.isSuccess && !showLocal && !showSso;

  return (
    <Center mih="100vh" p="md" component="main">
      <div style={{ position: 'absolute', top: 12, right: 12 }}>
        <ColorSchemeToggle />
      </div>
      <Paper withBorder shadow="sm" p="xl" radius="lg" w="100%" maw={400}>
        <Stack gap="lg">
          <Group gap={10}>
            <img src="/favicon.svg" width={32} height={32} alt="" />
            <Title order={1} fz="h3">
              Sign in to Atrium
            </Title>
          </Group>

          {signedIn && (
            <Alert color="blue" variant="light">
              You are signed in as {me.data?.name || me.data?.email}.{' '}
              <Anchor onClick={() => navigate(returnTo, { replace: true })} component="button" type="button">
                Continue
              </Anchor>
            </Alert>
          )}
          {oidcError && (
            <Alert color="red" variant="light" icon={<IconAlert />} role="alert" title="SSO sign-in failed">
              {params.get('error_description') || oidcError}
            </Alert>
          )}
          {providers.isError && (
            <Alert color="red" variant="light" icon={<IconAlert />} role="alert">
              {errorMessage(providers.error)}
            </Alert>
          )}

          {providers.isPending && <Loader size="sm" mx="auto" aria-label="Loading sign-in options" />}
          {authOff && (
            <Alert color="blue" variant="light" title="No sign-in needed">
              <Stack gap="xs" align="flex-start">
                <Text size="sm">Authentication is off on this server: everyone works as an anonymous Admin.</Text>
                <Button size="xs" onClick={() => navigate(returnTo, { replace: true })}>
                  Continue
                </Button>
              </Stack>
            </Alert>
          )}
          {showSso && (
            <Button
              component="a"
              href={`/v1/auth/oidc/login?returnTo=${encodeURIComponent(returnTo)}`}
              variant="default"
              size="md"
              fullWidth
            >
              Sign in with SSO
            </Button>
          )}
          {showSso && showLocal && <Divider label="or with a password" labelPosition="center" />}

          {showLocal && (
            <form onSubmit={onSubmit} noValidate>
              <Stack gap="md">
                {error != null && !fields.email && !fields.password && (
                  <Alert color="red" variant="light" icon={<IconAlert />} role="alert">
                    {loginErrorText(error)}
                  </Alert>
                )}
                <TextInput
                  label="Email"
                  type="email"
                  autoComplete="username"
                  required
                  autoFocus
                  value={email}
                  onChange={(e) => setEmail(e.currentTarget.value)}
                  error={fields.email}
                />
                <PasswordInput
                  label="Password"
                  autoComplete="current-password"
                  required
                  value={password}
                  onChange={(e) => setPassword(e.currentTarget.value)}
                  error={fields.password}
                />
                <Button type="submit" size="md" loading={submitting} disabled={!email.trim() || !password}>
                  Sign in
                </Button>
              </Stack>
            </form>
          )}
          <Text size="xs" c="dimmed" ta="center">
            Machines use client credentials: POST /v1/auth/access_token.
          </Text>
        </Stack>
      </Paper>
    </Center>
  );
}
