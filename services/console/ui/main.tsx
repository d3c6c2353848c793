// The console's browser UI: a header with the views, each view on its own URL.
import { render } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { api, keepToken, signedInToken, UNAUTHORIZED_EVENT, userName } from './api.ts';
import { match, onLinkClick, useLocation } from './router.ts';
import './styles.css';
import { AuditView } from './views/audit.tsx';
import { CatalogView } from './views/catalog.tsx';
import { DeadLettersView } from './views/dead-letters.tsx';
import { GroupView } from './views/group.tsx';
import { Home } from './views/home.tsx';
import { TopicView } from './views/topic.tsx';
import { TraceSearch, TraceView } from './views/traces.tsx';

function View() {
  const { path, query } = useLocation();
  let params = match('/topics/:name/partitions/:partition', path);
  if (params) return <TopicView name={params.name} partition={Number(params.partition)} query={query} />;
  params = match('/topics/:name', path);
  if (params) return <TopicView name={params.name} query={query} />;
  params = match('/groups/:id', path);
  if (params) return <GroupView id={params.id} />;
  if (path === '/dead-letters') return <DeadLettersView failureGroup={query.get('group')} />;
  params = match('/traces/:id', path);
  if (params) return <TraceView id={params.id} />;
  if (path === '/traces') return <TraceSearch query={query} />;
  if (path === '/catalog') return <CatalogView />;
  if (path === '/audit') return <AuditView />;
  return <Home />;
}

function SignIn({ onDone }: { onDone: () => void }) {
  const [token, setToken] = useState('');
  const [accepts, setAccepts] = useState('its token');
  const [error, setError] = useState<string | undefined>(undefined);
  useEffect(() => {
    api<{ accepts: string | null }>('/api/session')
      .then((s) => setAccepts(s.accepts ?? 'its token'))
      .catch(() => {});
  }, []);
  return (
    <form
      class="sign-in"
      onSubmit={async (e) => {
        e.preventDefault();
        try {
          // Checked by the console first; kept for this tab and sent as a bearer token from then on.
          await api('/api/session', { body: { token: token.trim() } });
          keepToken(token.trim());
          setError(undefined);
          onDone();
        } catch (err) {
          keepToken(null);
          setError((err as Error).message);
        }
      }}
    >
      <h2>Sign in</h2>
      <p>
        This console needs {accepts}. A JWT needs the scope console:read to look and console:write to change
        anything.
      </p>
      <label>
        token{' '}
        <input
          name="token"
          type="password"
          autocomplete="off"
          value={token}
          onInput={(e) => setToken(e.currentTarget.value)}
        />
      </label>{' '}
      <button type="submit">Sign in</button>
      {error && (
        <p class="problem" role="alert">
          {error}
        </p>
      )}
    </form>
  );
}

function App() {
  const [auth, setAuth] = useState<'checking' | 'ok' | 'needed'>('checking');
  const [user, setUser] = useState(userName());
  useEffect(() => {
    // Links inside the app navigate without reloading the page.
    document.addEventListener('click', onLinkClick);
    return () => document.removeEventListener('click', onLinkClick);
  }, []);
  useEffect(() => {
    api('/api/audit')
      .then(() => setAuth('ok'))
      .catch((err: { status?: number }) => setAuth(err.status === 401 ? 'needed' : 'ok'));
    // A token that expires or is revoked later brings the form back.
    const needed = () => setAuth('needed');
    window.addEventListener(UNAUTHORIZED_EVENT, needed);
    return () => window.removeEventListener(UNAUTHORIZED_EVENT, needed);
  }, []);
  return (
    <div>
      <header>
        <h1>
          <a href="/">Tributary Console</a>
        </h1>
        <nav>
          <a href="/">Topics &amp; groups</a>
          <a href="/dead-letters">Dead letters</a>
          <a href="/traces">Traces</a>
          <a href="/catalog">Event catalog</a>
          <a href="/audit">Audit log</a>
          <a href="/swagger">API</a>
        </nav>
        <label class="user">
          you are{' '}
          <input
            placeholder="your name (audit log)"
            value={user}
            onInput={(e) => {
              setUser(e.currentTarget.value);
              localStorage.setItem('console-user', e.currentTarget.value);
            }}
          />
        </label>
        {signedInToken() !== null && auth === 'ok' && (
          <button
            type="button"
            class="sign-out"
            onClick={() => {
              keepToken(null);
              void api('/api/session', { method: 'DELETE' }).finally(() => setAuth('needed'));
            }}
          >
            Sign out
          </button>
        )}
      </header>
      <main>
        {auth === 'needed' ? <SignIn onDone={() => setAuth('ok')} /> : auth === 'ok' ? <View /> : null}
      </main>
    </div>
  );
}

render(<App />, document.getElementById('app') as HTMLElement);
