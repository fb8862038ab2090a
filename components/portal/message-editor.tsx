'use client';

import { Link } from '@tiptap/extension-link';
import { EditorContent, useEditor, useEditorState, type Editor } from '@tiptap/react';
import StarterKit from '@tiptap/starter-kit';
import { useEffect, useRef, useState, type ComponentType } from 'react';
import { Button } from '@/components/ui/button';
import { Dialog, DialogContent, DialogDescription, DialogFooter, DialogHeader, DialogTitle } from '@/components/ui/dialog';
import { Bold, Italic, Link2, List, ListOrdered, Quote, Strikethrough, type IconProps } from '@/components/ui/icons';
import { Input } from '@/components/ui/input';
import { cn } from '@/components/ui/cn';
import { linkHref } from '@/lib/messaging/compose-input';

/**
 * The message's formatted text (Tiptap). Only what the body sanitiser keeps is offered — paragraphs,
 * bold, italic, strike-through, bulleted and numbered lists, quotes and links, with line breaks —
 * so what the recipient sees is what was written: the editor's HTML passes
 * lib/messaging/sanitize.ts unchanged in meaning (links get the sanitiser's own rel and target).
 */
const extensions = [
  StarterKit.configure({
    heading: false,
    code: false,
    codeBlock: false,
    horizontalRule: false,
    underline: false,
    link: false,
    // No empty paragraph kept after a final list or quote: the message is what was written.
    trailingNode: false,
  }),
  Link.configure({
    openOnClick: false,
    autolink: true,
    linkOnPaste: true,
    defaultProtocol: 'https',
    protocols: ['http', 'https', 'mailto'],
    HTMLAttributes: { rel: 'noopener noreferrer nofollow', target: '_blank' },
  }),
];

function ToolButton({ label, shortcut, icon: Icon, active, onClick }: { label: string; shortcut: string; icon: ComponentType<IconProps>; active: boolean; onClick: () => void }) {
  return (
    <button
      type="button"
      aria-label={label}
      aria-pressed={active}
      title={`${label} (${shortcut})`}
      // The editor keeps its selection: the button does not take focus away on click.
      onMouseDown={(e) => e.preventDefault()}
      onClick={onClick}
      className={cn(
        'inline-flex size-8 cursor-pointer items-center justify-center rounded-md focus-visible:ring-2 focus-visible:ring-brand-600 focus-visible:outline-none',
        active ? 'bg-brand-50 text-brand-700' : 'text-muted hover:bg-canvas hover:text-ink',
      )}
    >
      <Icon aria-hidden className="size-4" />
    </button>
  );
}

function Toolbar({ editor, onLink }: { editor: Editor; onLink: () => void }) {
  const state = useEditorState({
    editor,
    selector: ({ editor: e }) => ({
      bold: e.isActive('bold'),
      italic: e.isActive('italic'),
      strike: e.isActive('strike'),
      bulletList: e.isActive('bulletList'),
      orderedList: e.isActive('orderedList'),
      blockquote: e.isActive('blockquote'),
      link: e.isActive('link'),
    }),
  });
  const mod = typeof navigator !== 'undefined' && /Mac|iPhone|iPad/.test(navigator.platform) ? '⌘' : 'Ctrl+';
  return (
    <div role="toolbar" aria-label="Formatting" aria-controls="body" className="flex flex-wrap gap-0.5 border-b border-line px-1.5 py-1">
      <ToolButton label="Bold" shortcut={`${mod}B`} icon={Bold} active={state.bold} onClick={() => editor.chain().focus().toggleBold().run()} />
      <ToolButton label="Italic" shortcut={`${mod}I`} icon={Italic} active={state.italic} onClick={() => editor.chain().focus().toggleItalic().run()} />
      <ToolButton label="Strike-through" shortcut={`${mod}Shift+S`} icon={Strikethrough} active={state.strike} onClick={() => editor.chain().focus().toggleStrike().run()} />
      <span aria-hidden className="mx-1 my-1.5 w-px bg-line" />
      <ToolButton label="Bulleted list" shortcut={`${mod}Shift+8`} icon={List} active={state.bulletList} onClick={() => editor.chain().focus().toggleBulletList().run()} />
      <ToolButton label="Numbered list" shortcut={`${mod}Shift+7`} icon={ListOrdered} active={state.orderedList} onClick={() => editor.chain().focus().toggleOrderedList().run()} />
      <ToolButton label="Quote" shortcut={`${mod}Shift+B`} icon={Quote} active={state.blockquote} onClick={() => editor.chain().focus().toggleBlockquote().run()} />
      <ToolButton label="Link" shortcut={`${mod}K`} icon={Link2} active={state.link} onClick={onLink} />
    </div>
  );
}

/** The editor's own look of what the recipient will see (the message frame's styles). */
const CONTENT =
  'min-h-64 px-3 py-2 text-sm leading-relaxed outline-none [overflow-wrap:anywhere] [&_a]:text-brand-600 [&_a]:underline [&_blockquote]:my-2 [&_blockquote]:border-l-4 [&_blockquote]:border-line [&_blockquote]:pl-3 [&_blockquote]:text-muted [&_li]:my-0.5 [&_ol]:list-decimal [&_ol]:pl-6 [&_p]:my-2 [&_ul]:list-disc [&_ul]:pl-6';

export function MessageEditor({
  initialHtml,
  onChange,
  labelledBy,
  describedBy,
  invalid,
  autoFocus,
}: {
  initialHtml: string;
  /** The HTML written so far ('' when empty). */
  onChange: (html: string) => void;
  labelledBy: string;
  describedBy?: string;
  invalid?: boolean;
  autoFocus?: boolean;
}) {
  const [linkOpen, setLinkOpen] = useState(false);
  const [href, setHref] = useState('');
  const [linkError, setLinkError] = useState<string | null>(null);
  const changed = useRef(onChange);
  // The editor's key handler is made once: it reaches the current render's functions through refs.
  const openLinkRef = useRef<() => void>(() => undefined);
  useEffect(() => {
    changed.current = onChange;
    openLinkRef.current = openLink;
  });
  const editor = useEditor({
    extensions,
    content: initialHtml,
    // Rendered on the client only: the server sends the frame, Tiptap fills it (no hydration mismatch).
    immediatelyRender: false,
    autofocus: autoFocus ? 'start' : false,
    editorProps: {
      attributes: {
        id: 'body',
        role: 'textbox',
        'aria-multiline': 'true',
        'aria-labelledby': labelledBy,
        ...(describedBy ? { 'aria-describedby': describedBy } : {}),
        ...(invalid ? { 'aria-invalid': 'true' } : {}),
        class: CONTENT,
      },
      handleKeyDown: (_view, event) => {
        if ((event.metaKey || event.ctrlKey) && event.key.toLowerCase() === 'k') {
          event.preventDefault();
          openLinkRef.current();
          return true;
        }
        return false;
      },
    },
    onUpdate: ({ editor: e }) => changed.current(e.isEmpty ? '' : e.getHTML()),
  });

  function openLink() {
    const current = editor?.getAttributes('link').href as string | undefined;
    setHref(current ?? '');
    setLinkError(null);
    setLinkOpen(true);
  }

  function applyLink() {
    if (!editor) return;
    if (!href.trim()) {
      editor.chain().focus().extendMarkRange('link').unsetLink().run();
      setLinkOpen(false);
      return;
    }
    const url = linkHref(href);
    if (!url) return setLinkError('Enter a web address (https://…) or an email address.');
    const { empty } = editor.state.selection;
    if (empty && !editor.isActive('link')) {
      // Nothing selected: the address itself is the link's text.
      editor.chain().focus().insertContent({ type: 'text', text: href.trim(), marks: [{ type: 'link', attrs: { href: url } }] }).run();
    } else {
      editor.chain().focus().extendMarkRange('link').setLink({ href: url }).run();
    }
    setLinkOpen(false);
  }

  return (
    <div className={cn('rounded-md border bg-surface focus-within:ring-2 focus-within:ring-brand-600 focus-within:ring-offset-1', invalid ? 'border-danger-600' : 'border-line')}>
      {editor ? (
        <>
          <Toolbar editor={editor} onLink={openLink} />
          <EditorContent editor={editor} />
        </>
      ) : (
        // Until the editor runs: the same frame, so the page does not jump.
        <div aria-hidden className="min-h-[18.5rem]" />
      )}
      <Dialog open={linkOpen} onOpenChange={setLinkOpen}>
        <DialogContent>
          <DialogHeader>
            <DialogTitle>Link</DialogTitle>
            <DialogDescription>The selected text links to this address. Leave it empty to remove the link.</DialogDescription>
          </DialogHeader>
          <form
            className="grid gap-2"
            noValidate
            onSubmit={(e) => {
              e.preventDefault();
              applyLink();
            }}
          >
            <label htmlFor="link-href" className="text-sm font-medium">
              Link address
            </label>
            <Input
              id="link-href"
              value={href}
              onChange={(e) => setHref(e.target.value)}
              placeholder="https://example.com"
              autoComplete="off"
              aria-invalid={linkError ? true : undefined}
              aria-describedby={linkError ? 'link-href-error' : undefined}
            />
            {linkError && (
              <p id="link-href-error" className="text-sm font-medium text-danger-600">
                {linkError}
              </p>
            )}
            <DialogFooter>
              <Button type="button" variant="outline" onClick={() => setLinkOpen(false)}>
                Cancel
              </Button>
              <Button type="submit">{href.trim() ? 'Add link' : 'Remove link'}</Button>
            </DialogFooter>
          </form>
        </DialogContent>
      </Dialog>
    </div>
  );
}
