import { LEVEL_NAMES, type AdminLevel } from '@/lib/auth/permissions';

export const levelOptions = ([1, 2, 3] as AdminLevel[]).map((level) => ({ value: level, label: `Level ${level} — ${LEVEL_NAMES[level]}` }));
