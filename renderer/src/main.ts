// Renderer entry: one Vue app with Pinia, the xterm stylesheet and the workbench's own.
import '@xterm/xterm/css/xterm.css';
import './styles.css';
import { createPinia } from 'pinia';
import { createApp } from 'vue';
import App from './App.vue';

createApp(App).use(createPinia()).mount('#app');
