// undo.*, audit.undo: the log of user actions. undo.state reads it; undoing and redoing run
// through the facade's runUndo (index.ts), which needs the operation's own audit id.
import { CrosspodError } from '../../../shared/errors';
import { createApp, type HandlerContext } from '../app';

const unreachable = (): never => {
  throw new CrosspodError('INTERNAL', 'Undo and redo run through runUndo');
};

export function undoApp({ undoLog }: HandlerContext) {
  return createApp()
    .method('audit.undo', () => unreachable())
    .method('undo.undo', () => unreachable())
    .method('undo.redo', () => unreachable())
    .method('undo.state', () => undoLog.state());
}
