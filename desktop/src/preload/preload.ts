/**
 * Electron preload (sandboxed, context-isolated): exposes ONE typed object, `window.ceibo`, with `call` and
 * `onEvent`. Nothing else of Electron or Node reaches the page; the IPC event object is never passed on.
 * Packaging bundles this file to CommonJS (a sandboxed preload cannot load other modules).
 */
import {contextBridge, type IpcRendererEvent, ipcRenderer} from "electron";
import {type HostEvent, IPC, isChannel, type PreloadBridge} from "../shared/contract.ts";

export const bridge: PreloadBridge = {
  call(channel, req) {
    if (!isChannel(channel)) return Promise.reject(new Error(`unknown channel "${String(channel)}"`));
    return ipcRenderer.invoke(IPC.rpc, channel, req);
  },
  onEvent(listener) {
    const wrapped = (_e: IpcRendererEvent, event: HostEvent): void => listener(event);
    ipcRenderer.on(IPC.event, wrapped);
    return () => {
      ipcRenderer.removeListener(IPC.event, wrapped);
    };
  },
};

contextBridge.exposeInMainWorld("ceibo", bridge);
