// The console's browser UI: a header with the views, each view on its own URL.
import { render } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { api, userName } from './api.ts';
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
  const [error, setError] = useState<string | undefined>(undefined);
  return (
    <form
      class="sign-in"
      onSubmit={async (e) => {
        e.preventDefault();
        try {
          await api('/api/session', { body: { token } });
          onDone();
        } catch (err) {
          setError((err as Error).message);
        }
      }}
    >
      <h2>Sign in</h2>
      <p>This console needs its token (CONSOLE_TOKEN).</p>
      <input type="password" value={token} onInput={(e) => setToken(e.currentTarget.value)} />
      <button type="submit">Sign in</button>
      {error && <p class="problem">{error}</p>}
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
      </header>
      <main>
        {auth === 'needed' ? <SignIn onDone={() => setAuth('ok')} /> : auth === 'ok' ? <View /> : null}
      </main>
    </div>
  );
}

render(<App />, document.getElementById('app') as HTMLElement);
