import { registerRoute } from '../../router.js';
import { SignInView } from './sign-in-view.js';

registerRoute({ path: '/ui/sign-in', title: 'Sign in', view: SignInView, public: true });
