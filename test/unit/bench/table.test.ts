import { describe, expect, it } from 'vitest';
import { formatTable, median, seconds } from '../../../bench/table.js';

describe('formatTable', () => {
  it('pads columns to the widest cell, numbers to the right, text to the left', () => {
    expect(formatTable(['api', 'fleet 5'], [['ssm:GetParameter', '6.8'], ['kms:Decrypt', '12.0']]).split('\n')).toEqual([
      'api               fleet 5',
      '----------------  -------',
      'ssm:GetParameter      6.8',
      'kms:Decrypt          12.0',
    ]);
  });
});

describe('median and seconds', () => {
  it('takes the middle value, or the mean of the two middle ones', () => {
    expect(median([5, 1, 3])).toBe(3);
    expect(median([4, 1, 3, 2])).toBe(2.5);
    expect(median([])).toBeNaN();
  });

  it('prints milliseconds as seconds with one decimal', () => {
    expect(seconds(4_250)).toBe('4.3');
  });
});
